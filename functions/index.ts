// The app's entry point (package.json `main` → dist/functions/index.js): importing each trigger
// module registers its functions with the Functions host, in Azure and in local/host alike.
import './startup';
import './health';
import './openapi';
import './tenants';
import '../orchestrations';
import './cluster-events';
import './clusters';
import './drift';
import './lifecycle-resume';
import './capacity';
import './console';
import './console-api';
