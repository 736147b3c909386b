import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import type { AuthResult as AuthResultShape } from '../../contract';
import { UserResponse } from '../../users/user.response';

const trim = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));
const normalizeEmail = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value));

/** An e-mail address: trimmed and lower-cased before it is checked, at most 254 characters. */
const EmailField = () => applyDecorators(ApiProperty({ format: 'email' }), normalizeEmail(), IsString(), MaxLength(254), IsEmail());

export class SignupDto {
  @ApiProperty({ minLength: 1, maxLength: 64 })
  @trim()
  @IsString()
  @Length(1, 64)
  name: string;

  @EmailField()
  email: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  @Length(8, 128)
  password: string;
}

export class LoginDto {
  @EmailField()
  email: string;

  @ApiProperty()
  @IsString()
  @Length(1, 128)
  password: string;
}

export class RefreshTokenDto {
  @ApiProperty()
  @IsString()
  @Length(1, 512)
  refreshToken: string;
}

export class AuthResult implements AuthResultShape {
  @ApiProperty({ type: UserResponse }) user: UserResponse;
  @ApiProperty() accessToken: string;
  @ApiProperty() refreshToken: string;
  @ApiProperty({ description: 'Access token lifetime in seconds' }) expiresIn: number;
}
