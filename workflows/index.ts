export { analysisWorkflow } from './analysis';
export { deploymentWorkflow } from './deployment';
