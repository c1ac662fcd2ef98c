// Registers the orchestrators and activities with the Functions host (imported by functions/index.ts).
import './tenant-lifecycle';
import './activities/registry-steps';
import './activities/gateway-steps';
import './activities/firewall-steps';
import './activities/route-steps';
import './activities/egress-steps';
import './cluster-bootstrap';
import './activities/bootstrap-steps';
import './drift-check';
import './activities/drift-steps';
