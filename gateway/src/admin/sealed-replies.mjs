// Replies that carry a secret (a key's client secret, a new admin token): their idempotency record
// holds the body encrypted, like the secret itself, never in the clear.
import { encrypt, decrypt } from '../crypto.mjs';

/** The reply with its body also sealed, for StateStore.write to record instead of the body. */
export async function sealReply(app, r) {
  return { ...r, sealedBody: await encrypt(app.keys.secrets, r.body, 'idempotency-replay') };
}

/** The body of a recorded sealed reply, for a replay. */
export async function unsealBody(app, box) {
  return decrypt(app.keys.secrets, box, 'idempotency-replay');
}
