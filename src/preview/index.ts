/**
 * Plan previews of refs and pull requests. What a dashboard needs: `PreviewRecord` (the model), `previewView` (the
 * record as it may be shown: sanitised), `renderPreviewMarkdown`, and a `PreviewReadModel` to read them from: the
 * daemon's `daemon.previews?.service` (list newest first, get by number).
 */
export type { PreviewRecord, PreviewState, PreviewTask } from './model.js';
export { previewView } from './model.js';
export { renderPreviewMarkdown, planTextOf } from './markdown.js';
export { planPreview, type PlanPreview, type PreviewVerdict } from './plan.js';
export type { PreviewService } from './service.js';
export type { PreviewReadModel } from '../server/preview-routes.js';
