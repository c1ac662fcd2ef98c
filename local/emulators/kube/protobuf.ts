/**
 * Decodes the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown{typeMeta, raw}) that kubectl's typed
 * clients send for built-in kinds (`kubectl create namespace|configmap`), for the kinds listed here only.
 * Field numbers from k8s.io/api core/v1 and k8s.io/apimachinery generated.proto. Anything else → undefined.
 */
import type { JsonObject } from './json';

type Scalar = 'string' | 'bytes' | 'bool' | 'int';
interface Field { name: string; type: Scalar | 'map' | 'message' | 'strings'; message?: Message; mapValue?: Scalar }
type Message = Record<number, Field>;

const OBJECT_META: Message = {
  1: { name: 'name', type: 'string' }, 2: { name: 'generateName', type: 'string' }, 3: { name: 'namespace', type: 'string' },
  11: { name: 'labels', type: 'map', mapValue: 'string' }, 12: { name: 'annotations', type: 'map', mapValue: 'string' },
  14: { name: 'finalizers', type: 'strings' },
};
const KINDS: Record<string, Message> = {
  'v1/Namespace': { 1: { name: 'metadata', type: 'message', message: OBJECT_META }, 2: { name: 'spec', type: 'message', message: { 1: { name: 'finalizers', type: 'strings' } } } },
  'v1/ConfigMap': {
    1: { name: 'metadata', type: 'message', message: OBJECT_META }, 2: { name: 'data', type: 'map', mapValue: 'string' },
    3: { name: 'binaryData', type: 'map', mapValue: 'bytes' }, 4: { name: 'immutable', type: 'bool' },
  },
};
const UNKNOWN: Message = {
  1: { name: 'typeMeta', type: 'message', message: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } },
  2: { name: 'raw', type: 'bytes' },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('truncated varint');
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  }
  bytes(): Buffer {
    const len = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + len);
    if (out.length !== len) throw new Error('truncated field');
    this.pos += len;
    return out;
  }
}

function scalar(type: Scalar, r: Reader, wire: number): unknown {
  if (type === 'bool' || type === 'int') {
    const n = r.varint();
    return type === 'bool' ? n !== 0 : n;
  }
  if (wire !== 2) throw new Error('expected a length-delimited field');
  const b = r.bytes();
  return type === 'string' ? b.toString('utf8') : Buffer.from(b);
}

function decode(buf: Buffer, schema: Message): JsonObject {
  const r = new Reader(buf);
  const out: JsonObject = {};
  while (r.pos < buf.length) {
    const key = r.varint();
    const field = schema[Math.floor(key / 8)];
    const wire = key & 7;
    if (!field) {
      if (wire === 0) r.varint();
      else if (wire === 2) r.bytes();
      else if (wire === 1) r.pos += 8;
      else if (wire === 5) r.pos += 4;
      else throw new Error(`unsupported wire type ${wire}`);
      continue;
    }
    if (field.type === 'message') out[field.name] = decode(r.bytes(), field.message ?? {});
    else if (field.type === 'strings') out[field.name] = [...((out[field.name] as string[] | undefined) ?? []), r.bytes().toString('utf8')];
    else if (field.type === 'map') {
      const entry = decode(r.bytes(), { 1: { name: 'k', type: 'string' }, 2: { name: 'v', type: field.mapValue ?? 'string' } });
      const map = (out[field.name] as JsonObject | undefined) ?? {};
      const v = entry.v ?? (field.mapValue === 'bytes' ? Buffer.alloc(0) : '');
      map[String(entry.k ?? '')] = Buffer.isBuffer(v) ? v.toString('base64') : v;
      out[field.name] = map;
    } else {
      const v = scalar(field.type, r, wire);
      if (v !== '') out[field.name] = v; // Go writes unset optional strings as empty ones
    }
  }
  return out;
}

export const PROTOBUF_PREFIX = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The object in a protobuf request body, or undefined when its kind is not one decoded here. */
export function decodeKubeProtobuf(body: Buffer): JsonObject | undefined {
  if (!body.subarray(0, 4).equals(PROTOBUF_PREFIX)) throw new Error('missing the k8s protobuf prefix');
  const unknown = decode(body.subarray(4), UNKNOWN);
  const typeMeta = (unknown.typeMeta ?? {}) as JsonObject;
  const apiVersion = String(typeMeta.apiVersion ?? '');
  const kind = String(typeMeta.kind ?? '');
  const schema = KINDS[`${apiVersion}/${kind}`];
  if (!schema || !Buffer.isBuffer(unknown.raw)) return undefined;
  return { apiVersion, kind, ...decode(unknown.raw, schema) };
}
