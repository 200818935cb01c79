export { analysisWorkflow } from './analysis';
export { deploymentWorkflow } from './deployment';
export { releaseWorkflow } from './release';
export { freezeWorkflow } from './freeze';
export { notificationWorkflow } from './notify-after-run';
