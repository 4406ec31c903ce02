export { getFreePort, isPortFree } from '../scripts/lib/free-port.mjs';
