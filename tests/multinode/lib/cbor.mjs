// The small CBOR encoder (RFC 8949) the software authenticator needs: unsigned and negative integers,
// byte strings, text strings, arrays, maps, booleans and null. Definite lengths only, shortest
// argument encoding. Maps are written in the order given: a JS Map keeps insertion order (use it
// for integer keys, e.g. COSE keys), a plain object is written in its key order.

const MT_UINT = 0;
const MT_NINT = 1;
const MT_BYTES = 2;
const MT_TEXT = 3;
const MT_ARRAY = 4;
const MT_MAP = 5;
const MT_SIMPLE = 7;

/** Major type + argument, with the shortest of the 0..23 / 1 / 2 / 4 / 8-byte argument forms. */
function head(major, arg) {
  const big = BigInt(arg);
  if (big < 0n) throw new RangeError('CBOR argument must be non-negative');
  const m = major << 5;
  if (big < 24n) return Buffer.from([m | Number(big)]);
  if (big < 0x100n) return Buffer.from([m | 24, Number(big)]);
  if (big < 0x10000n) {
    const b = Buffer.alloc(3);
    b[0] = m | 25;
    b.writeUInt16BE(Number(big), 1);
    return b;
  }
  if (big < 0x100000000n) {
    const b = Buffer.alloc(5);
    b[0] = m | 26;
    b.writeUInt32BE(Number(big), 1);
    return b;
  }
  if (big < 0x10000000000000000n) {
    const b = Buffer.alloc(9);
    b[0] = m | 27;
    b.writeBigUInt64BE(big, 1);
    return b;
  }
  throw new RangeError('CBOR integer out of range');
}

function encodeInto(value, out) {
  if (value === null || value === undefined) {
    out.push(Buffer.from([(MT_SIMPLE << 5) | 22]));
  } else if (value === false) {
    out.push(Buffer.from([(MT_SIMPLE << 5) | 20]));
  } else if (value === true) {
    out.push(Buffer.from([(MT_SIMPLE << 5) | 21]));
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isInteger(value)) throw new TypeError('CBOR floats are not supported');
    const big = BigInt(value);
    out.push(big >= 0n ? head(MT_UINT, big) : head(MT_NINT, -1n - big));
  } else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    out.push(head(MT_TEXT, bytes.length), bytes);
  } else if (value instanceof Uint8Array) {
    out.push(head(MT_BYTES, value.length), Buffer.from(value));
  } else if (Array.isArray(value)) {
    out.push(head(MT_ARRAY, value.length));
    for (const v of value) encodeInto(v, out);
  } else if (value instanceof Map) {
    out.push(head(MT_MAP, value.size));
    for (const [k, v] of value) {
      encodeInto(k, out);
      encodeInto(v, out);
    }
  } else if (typeof value === 'object') {
    const entries = Object.entries(value);
    out.push(head(MT_MAP, entries.length));
    for (const [k, v] of entries) {
      encodeInto(k, out);
      encodeInto(v, out);
    }
  } else {
    throw new TypeError(`cannot CBOR-encode a ${typeof value}`);
  }
}

/** CBOR encoding of value as a Buffer. */
export function encode(value) {
  const out = [];
  encodeInto(value, out);
  return Buffer.concat(out);
}
