/** Flag bits and codes shared by the encoder (encode.ts) and the decoder (codec.ts). */
export const MAX_LIST = 65535;
export const FLAG_RETRANSMIT = 0x01;
export const FLAG_TYPED = 0x02;
export const FLAG_FRAGMENT = 0x04;
export const FLAG_CLOCK = 0x08;
export const KNOWN_FLAGS = FLAG_RETRANSMIT | FLAG_TYPED | FLAG_FRAGMENT | FLAG_CLOCK;

/** Group settings in join frames: bits 0-1 the ordering, bit 2 safe delivery, bit 3 state transfer. */
export const ORDERING_CODES = ['fifo', 'causal', 'total'] as const;
export const SETTINGS_SAFE = 0x04;
export const SETTINGS_STATE = 0x08;
