/** Why a binary frame could not be decoded; decoders return it instead of throwing. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };
