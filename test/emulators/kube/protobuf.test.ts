/** The protobuf envelope decoder, on a body encoded here field by field (as client-go would for a ConfigMap). */
import { decodeKubeProtobuf, PROTOBUF_PREFIX } from '../../../local/emulators/kube/protobuf';

const key = (field: number, wire: number) => Buffer.from([(field << 3) | wire]);
const len = (field: number, body: Buffer) => Buffer.concat([key(field, 2), Buffer.from([body.length]), body]);
const str = (field: number, s: string) => len(field, Buffer.from(s, 'utf8'));
const entry = (field: number, k: string, v: Buffer) => len(field, Buffer.concat([str(1, k), len(2, v)]));

it('decodes a ConfigMap: metadata, labels, data, binaryData (base64), immutable; skips unknown fields', () => {
  const meta = Buffer.concat([str(1, 'cfg'), str(2, ''), str(3, 'demo'), entry(11, 'app', Buffer.from('x')), str(5, 'ignored-uid')]);
  const raw = Buffer.concat([len(1, meta), entry(2, 'a', Buffer.from('b')), entry(3, 'bin', Buffer.from([0, 1, 2])), key(4, 0), Buffer.from([1])]);
  const unknown = Buffer.concat([len(1, Buffer.concat([str(1, 'v1'), str(2, 'ConfigMap')])), len(2, raw), str(4, 'application/vnd.kubernetes.protobuf')]);
  expect(decodeKubeProtobuf(Buffer.concat([PROTOBUF_PREFIX, unknown]))).toEqual({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'cfg', namespace: 'demo', labels: { app: 'x' } },
    data: { a: 'b' }, binaryData: { bin: 'AAEC' }, immutable: true,
  });
});

it('returns undefined for kinds it does not decode, and refuses a body without the prefix', () => {
  const unknown = Buffer.concat([len(1, Buffer.concat([str(1, 'batch/v1'), str(2, 'Job')])), len(2, Buffer.alloc(0))]);
  expect(decodeKubeProtobuf(Buffer.concat([PROTOBUF_PREFIX, unknown]))).toBeUndefined();
  expect(() => decodeKubeProtobuf(Buffer.from('{}'))).toThrow('missing the k8s protobuf prefix');
});
