// The part of macaroon 3.0.4's API this package uses (it ships no types).
declare module 'macaroon' {
  export interface MacaroonCaveat {
    identifier: Uint8Array;
    location?: string;
    vid?: Uint8Array;
  }
  export interface Macaroon {
    readonly caveats: MacaroonCaveat[];
    readonly location: string;
    readonly identifier: Uint8Array;
    readonly signature: Uint8Array;
    addFirstPartyCaveat(caveat: Uint8Array | string): void;
    addThirdPartyCaveat(rootKey: Uint8Array, caveatId: Uint8Array | string, location?: string): void;
    bindToRoot(rootSignature: Uint8Array): void;
    clone(): Macaroon;
    verify(rootKey: Uint8Array, check: (condition: string) => string | null, discharges?: Macaroon[]): void;
  }
  interface MacaroonLib {
    newMacaroon(params: { identifier: Uint8Array | string; location?: string; rootKey: Uint8Array | string; version?: number }): Macaroon;
    importMacaroon(data: Uint8Array | string | object): Macaroon;
  }
  const lib: MacaroonLib;
  export default lib;
}
