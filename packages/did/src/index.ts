export { didKeyFromPublicKey, publicKeyFromDidKey } from "./did-key.js";
