// Tests start their own Azurite through the same launcher the sandbox uses (in memory, free ports).
export { startAzurite, connectionStringFor, type Azurite } from '../../local/azurite';
