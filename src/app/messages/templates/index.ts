// Message templates: what the delivery side, the API routes and the dashboard use.
export {
  DEFAULT_LAYOUT,
  DEFAULT_TEMPLATE_KEYS,
  DEFAULT_TEMPLATES,
  type TemplateSource,
} from './defaults.ts';
export {
  getLayout,
  getTemplate,
  type LayoutView,
  listTemplates,
  resetLayout,
  resetTemplate,
  saveLayout,
  saveTemplate,
  type TemplateView,
} from './manage-templates.ts';
export { type Preview, type PreviewInput, previewTemplate } from './preview-template.ts';
export {
  type RenderCaseMessageInput,
  type RenderedCaseMessage,
  renderCaseMessage,
} from './render-case-message.ts';
