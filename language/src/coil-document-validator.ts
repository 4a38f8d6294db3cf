/**
 * Gives the diagnostics Langium produces itself (lexing, parsing, linking) a stable Coil code and
 * a message in the process engineer's words, so every diagnostic takes the same reporting path.
 */
import { DefaultDocumentValidator, DocumentValidator, type AstReflection, type Cancellation, type LangiumDocument, type ValidationOptions } from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { Code } from './diagnostics/codes.js';
import { humanizeParserMessage, humanizeLexerMessage } from './diagnostics/parser-messages.js';

interface LinkingData {
    code: string;
    containerType: string;
    property: string;
    refText: string;
}

const SCENARIO_TARGETS = new Set(['StepAction', 'RecordAction', 'ScanAction', 'TransferAction', 'StepExpectation']);

export class CoilDocumentValidator extends DefaultDocumentValidator {
    private readonly reflection: AstReflection;

    constructor(services: LangiumServices) {
        super(services);
        this.reflection = services.shared.AstReflection;
    }

    override async validateDocument(document: LangiumDocument, options?: ValidationOptions, cancelToken?: Cancellation.CancellationToken): Promise<Diagnostic[]> {
        const diagnostics = await super.validateDocument(document, options, cancelToken);
        for (const diagnostic of diagnostics) {
            this.assignCode(diagnostic);
        }
        return diagnostics;
    }

    private assignCode(diagnostic: Diagnostic): void {
        const data = diagnostic.data as { code?: string } | undefined;
        switch (data?.code) {
            case DocumentValidator.LexingError:
                diagnostic.code = 'COIL-P002';
                diagnostic.message = humanizeLexerMessage(textOf(diagnostic.message));
                break;
            case DocumentValidator.ParsingError:
                diagnostic.code = 'COIL-P001';
                diagnostic.message = humanizeParserMessage(textOf(diagnostic.message));
                break;
            case DocumentValidator.LinkingError: {
                const linking = data as LinkingData;
                const { code, message } = this.describeUnresolved(linking);
                diagnostic.code = code;
                diagnostic.message = message;
                break;
            }
        }
    }

    private describeUnresolved(data: LinkingData): { code: Code; message: string } {
        const name = data.refText;
        if (data.property === 'deviation') {
            return { code: 'COIL-D001', message: `No deviation named '${name}' is declared in this process. Declare it: deviation ${name} "..." severity major { disposition by QA options continue, reject }` };
        }
        if (data.property === 'assay') {
            return { code: 'COIL-Q001', message: `No assay named '${name}' is declared in this workspace. Declare it (for example in the shared library): assay ${name} { method "..." turnaround 1 d result ... }` };
        }
        if (data.containerType === 'EquipmentUse') {
            return { code: 'COIL-L002', message: `No equipment named '${name}' is declared at this step's site. Equipment is used where it is installed: check the step's 'at' site, or declare the equipment in that site.` };
        }
        if (SCENARIO_TARGETS.has(data.containerType)) {
            return { code: 'COIL-S001', message: `The scenario names '${name}', but the process has no step or transfer of that name.` };
        }
        const type = this.reflection.getReferenceType({
            container: { $type: data.containerType } as never,
            property: data.property,
            reference: undefined as never,
        });
        return { code: 'COIL-R001', message: `No ${describeType(type)} named '${name}' is declared where this can see it.` };
    }
}

function textOf(message: Diagnostic['message']): string {
    return typeof message === 'string' ? message : message.value;
}

function describeType(type: string): string {
    const words: Record<string, string> = {
        Activity: 'step or transfer', Qc: 'QC plan', Choice: 'choice',
    };
    return words[type] ?? type.replace(/(?<!^)([A-Z])/g, ' $1').toLowerCase();
}
