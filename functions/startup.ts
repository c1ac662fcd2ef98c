import { app } from '@azure/functions';
import { loadConfig } from '../lib/adapters/config';

// Validate every setting when the app starts, so a bad deployment fails at once with the full list
// of missing or bad settings, not at the first request.
app.hook.appStart(() => {
  loadConfig();
});
