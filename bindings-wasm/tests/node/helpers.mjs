// Shared by the Node tests.
import assert from 'node:assert/strict';

/** Milliseconds since the epoch of a 14-digit UTC+8 timestamp (computed here, not by the package). */
export function cstMillis(ts) {
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((i, k) => Number(ts.slice(i, i + (k ? 2 : 4))));
  return Date.UTC(y, mo - 1, d, h - 8, mi, s);
}

/** An assert.throws validator: a real Error with this stable code and a message, in
 * English (`message`) and in Chinese (`messageZh`). */
export const expectCode = (code) => (error) => {
  assert.ok(error instanceof Error, `expected an Error, got ${typeof error}`);
  assert.equal(error.code, code, error.message);
  assert.ok(error.message.length > 0);
  assert.match(error.messageZh, /[\u4e00-\u9fff]/, `${code}: no Chinese in messageZh of ${error.message}`);
  return true;
};
