import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument, Types } from 'mongoose';

@Schema({ collection: 'users', timestamps: true, versionKey: false })
export class User {
  _id: Types.ObjectId;

  @Prop({ required: true })
  name: string;

  /** Lower-cased name: serves the case-insensitive prefix search. */
  @Prop({ required: true })
  nameLower: string;

  /** Stored lower-cased: e-mail addresses compare case-insensitively everywhere. */
  @Prop({ required: true })
  email: string;

  @Prop({ required: true })
  passwordHash: string;

  @Prop({ type: String, default: null })
  avatarUrl: string | null;

  @Prop({ type: Date, default: null })
  lastSeenAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export type UserDocument = HydratedDocument<User>;
export const UserSchema = SchemaFactory.createForClass(User);

// Signup uniqueness and login by e-mail; also the exact e-mail match of user search.
UserSchema.index({ email: 1 }, { unique: true });
// User search: anchored prefix match on the lower-cased name.
UserSchema.index({ nameLower: 1 });
