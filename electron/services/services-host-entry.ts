import { connectToParent } from '../engine/transport';
import { runServicesHost } from './services-host';

// The services host's process: an Electron utilityProcess, or a child_process.fork child under Node.
runServicesHost(connectToParent());
