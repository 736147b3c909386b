// The ceiling for the benchmark: a bare Socket.IO relay with the same routes, payloads and
// event names as Chatify, but no authentication, no validation, no database and no logging.
// Everything lives in memory. The token is just "relay:<userId>".
//
//   PORT=4000 node bench/relay/server.mjs            (listens on 127.0.0.1 only)
//
// RELAY_ECHO_SENDER=0 stops `message:new` going back to the sender's own connections
// (Chatify emits to every member, the sender included, so the default is 1).
import http from 'node:http';
import { Server } from 'socket.io';

const PORT = Number(process.env.PORT ?? 0);
const HOST = '127.0.0.1';
const ECHO_SENDER = process.env.RELAY_ECHO_SENDER !== '0';

let idCounter = 0;
const idPrefix = Math.floor(Date.now() / 1000)
  .toString(16)
  .padStart(8, '0');
/** A 24-hex id shaped like a MongoDB ObjectId. */
const newId = () => idPrefix + (++idCounter).toString(16).padStart(16, '0');

/** @typedef {{ id: string, type: 'direct' | 'group', title: string | null, members: string[], seq: number, createdAt: string }} Conversation */

/** @type {Map<string, { id: string, name: string, email: string, createdAt: string }>} */
const users = new Map();
/** @type {Map<string, Conversation>} */
const conversations = new Map();
/** @type {Map<string, string>} sorted pair key → conversation id */
const directByPair = new Map();

/** @param {string} a @param {string} b */
function directConversation(a, b) {
  const key = a < b ? `${a}:${b}` : `${b}:${a}`;
  let id = directByPair.get(key);
  if (!id) {
    id = newId();
    directByPair.set(key, id);
    conversations.set(id, { id, type: 'direct', title: null, members: [a, b], seq: 0, createdAt: new Date().toISOString() });
  }
  return /** @type {Conversation} */ (conversations.get(id));
}

/** @param {Conversation} c */
function conversationResponse(c) {
  const now = new Date().toISOString();
  return {
    id: c.id,
    type: c.type,
    title: c.title,
    members: c.members.map((userId, i) => ({ userId, role: c.type === 'group' && i === 0 ? 'admin' : 'member' })),
    lastMessage: null,
    unreadCount: 0,
    createdAt: c.createdAt,
    updatedAt: now,
  };
}

/**
 * The send path, shared by the socket event and the REST route: find the conversation,
 * number the message, emit `message:new` to the members' rooms.
 * @param {string} senderId
 * @param {{ conversationId?: string, recipientId?: string, text?: string, clientId?: string }} body
 */
function send(senderId, body) {
  const conversation = body?.conversationId ? conversations.get(body.conversationId) : body?.recipientId ? directConversation(senderId, body.recipientId) : undefined;
  if (!conversation) return { ok: false, error: { status: 404, message: 'Conversation not found' } };
  conversation.seq += 1;
  const message = {
    id: newId(),
    conversationId: conversation.id,
    seq: conversation.seq,
    senderId,
    text: body.text ?? '',
    clientId: body.clientId ?? null,
    createdAt: new Date().toISOString(),
    editedAt: null,
    deletedAt: null,
    status: 'sent',
  };
  const rooms = [];
  for (const member of conversation.members) {
    if (ECHO_SENDER || member !== senderId) rooms.push(`user:${member}`);
  }
  chat.to(rooms).emit('message:new', message);
  return { ok: true, data: message };
}

/** @param {string | undefined} value */
const userFromToken = (value) => (value && value.startsWith('relay:') ? value.slice(6) : null);

/**
 * @param {http.IncomingMessage} req
 * @returns {Promise<any>}
 */
function readJson(req) {
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        resolve({});
      }
    });
  });
}

/** @param {http.ServerResponse} res @param {number} status @param {unknown} body */
function reply(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

const httpServer = http.createServer(async (req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url === '/health') return reply(res, 200, { status: 'ok' });
  if (req.method !== 'POST') return reply(res, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
  const body = await readJson(req);
  if (url === '/api/v1/auth/signup') {
    const user = { id: newId(), name: String(body.name ?? ''), email: String(body.email ?? '').toLowerCase(), createdAt: new Date().toISOString() };
    users.set(user.id, user);
    return reply(res, 201, {
      user: { ...user, avatarUrl: null, online: false, lastSeenAt: null },
      accessToken: `relay:${user.id}`,
      refreshToken: `relay-refresh:${user.id}`,
      expiresIn: 86400,
    });
  }
  const me = userFromToken(req.headers.authorization?.replace(/^Bearer /, ''));
  if (!me) return reply(res, 401, { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' });
  if (url === '/api/v1/conversations') {
    if (body.type === 'direct') return reply(res, 201, conversationResponse(directConversation(me, String(body.userId))));
    const id = newId();
    const members = [me, ...(Array.isArray(body.memberIds) ? body.memberIds.filter((/** @type {string} */ m) => m !== me) : [])];
    const c = /** @type {Conversation} */ ({ id, type: 'group', title: String(body.title ?? ''), members, seq: 0, createdAt: new Date().toISOString() });
    conversations.set(id, c);
    return reply(res, 201, conversationResponse(c));
  }
  if (url === '/api/v1/messages') {
    const answer = send(me, body);
    if (!answer.ok) return reply(res, 404, { statusCode: 404, error: 'Not Found', message: 'Conversation not found' });
    return reply(res, 201, answer.data);
  }
  return reply(res, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
});

const io = new Server(httpServer, { serveClient: false, transports: ['websocket', 'polling'] });
const chat = io.of('/chat');
chat.use((socket, next) => {
  const header = socket.handshake.headers.authorization?.replace(/^Bearer /, '');
  const userId = userFromToken(socket.handshake.auth?.token ?? header);
  if (!userId) return next(new Error('Unauthorized'));
  socket.data.userId = userId;
  next();
});
chat.on('connection', (socket) => {
  socket.join(`user:${socket.data.userId}`);
  socket.on('message:send', (payload, ack) => {
    const answer = send(socket.data.userId, payload);
    if (typeof ack === 'function') ack(answer);
  });
});

httpServer.listen(PORT, HOST, () => {
  const { port } = /** @type {import('node:net').AddressInfo} */ (httpServer.address());
  // The orchestrator reads this line to learn the port.
  process.stdout.write(`relay listening on http://${HOST}:${port}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    io.close();
    httpServer.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
