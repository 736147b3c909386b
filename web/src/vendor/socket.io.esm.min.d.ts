// Types for the Socket.IO browser bundle that web/build.mjs copies to dist/web/vendor/ at build time.
export { io } from 'socket.io-client';
