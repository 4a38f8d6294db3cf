/**
 * Wires the Coil language services: Langium's defaults plus Coil's scoping, validation and
 * diagnostic codes. `createCoilServices` is what the CLI, the language server and tests call.
 */
import { type DeepPartial, type Module, inject } from 'langium';
import {
    createDefaultModule, createDefaultSharedModule, type DefaultSharedModuleContext,
    type LangiumServices, type LangiumSharedServices, type PartialLangiumServices,
} from 'langium/lsp';
import { CoilGeneratedModule, CoilGeneratedSharedModule } from './generated/module.js';
import { CoilScopeComputation } from './coil-scope-computation.js';
import { CoilScopeProvider } from './coil-scope-provider.js';
import { CoilDocumentValidator, CoilValidationRegistry } from './coil-document-validator.js';
import { CoilLinker, CoilReferenceDescriptionProvider } from './workspace/indexed-phases.js';
import { CoilHoverProvider } from './lsp/hover.js';
import { CoilCompletionProvider } from './lsp/completion.js';
import { CoilFormatter } from './lsp/formatter.js';
import { CoilCodeActionProvider } from './lsp/code-actions.js';
import { CoilSemanticTokenProvider } from './lsp/semantic-tokens.js';
import { CoilDocumentSymbolProvider } from './lsp/document-symbols.js';
import { CoilWorkspaceSymbolProvider } from './lsp/workspace-symbols.js';
import { CoilDocumentHighlightProvider } from './lsp/highlight.js';
import { CoilRenameProvider } from './lsp/rename.js';
import { CoilFoldingRangeProvider } from './lsp/folding.js';
import { CoilLanguageServer } from './lsp/language-server.js';
import { registerValidationChecks } from './validation/index.js';
import { CoilDocumentFactory } from './workspace/document-factory.js';
import { CoilDocumentBuilder } from './workspace/document-builder.js';

export type CoilServices = LangiumServices;

export const CoilModule: Module<CoilServices, PartialLangiumServices> = {
    references: {
        ScopeComputation: services => new CoilScopeComputation(services),
        ScopeProvider: services => new CoilScopeProvider(services),
        Linker: services => new CoilLinker(services),
    },
    workspace: {
        ReferenceDescriptionProvider: services => new CoilReferenceDescriptionProvider(services),
    },
    validation: {
        DocumentValidator: services => new CoilDocumentValidator(services),
        ValidationRegistry: services => new CoilValidationRegistry(services),
    },
    lsp: {
        HoverProvider: services => new CoilHoverProvider(services),
        CompletionProvider: services => new CoilCompletionProvider(services),
        Formatter: () => new CoilFormatter(),
        CodeActionProvider: () => new CoilCodeActionProvider(),
        SemanticTokenProvider: services => new CoilSemanticTokenProvider(services),
        DocumentSymbolProvider: () => new CoilDocumentSymbolProvider(),
        DocumentHighlightProvider: services => new CoilDocumentHighlightProvider(services),
        RenameProvider: services => new CoilRenameProvider(services),
        FoldingRangeProvider: services => new CoilFoldingRangeProvider(services),
    },
};

export const CoilSharedModule: Module<LangiumSharedServices, DeepPartial<LangiumSharedServices>> = {
    workspace: {
        LangiumDocumentFactory: services => new CoilDocumentFactory(services),
        DocumentBuilder: services => new CoilDocumentBuilder(services),
    },
    lsp: {
        LanguageServer: services => new CoilLanguageServer(services),
        WorkspaceSymbolProvider: services => new CoilWorkspaceSymbolProvider(services),
    },
};

export function createCoilServices(context: DefaultSharedModuleContext, ...modules: Array<Module<CoilServices, PartialLangiumServices>>): {
    shared: LangiumSharedServices;
    Coil: CoilServices;
} {
    const shared = inject(createDefaultSharedModule(context), CoilGeneratedSharedModule, CoilSharedModule);
    const Coil = inject(createDefaultModule({ shared }), CoilGeneratedModule, CoilModule, ...modules);
    shared.ServiceRegistry.register(Coil);
    registerValidationChecks(Coil);
    if (!context.connection) {
        // Without a language client nobody sends configuration: mark it as received.
        shared.workspace.ConfigurationProvider.initialized({});
    }
    return { shared, Coil };
}
