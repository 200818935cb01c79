export { deploymentWorkflow } from './deployment';
