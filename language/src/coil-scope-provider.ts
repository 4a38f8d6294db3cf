/**
 * Scopes for the references whose targets live inside another declaration: a room of a site
 * (`at Plant.SuiteA`), equipment of the step's site, a parameter of a step (`Expand.viable_cells`),
 * and the choices of a parameter or an assay result.
 */
import {
    AstUtils, DefaultScopeProvider, EMPTY_SCOPE, stream,
    type AstNode, type AstNodeDescription, type AstNodeDescriptionProvider, type LocalSymbols, type NameProvider,
    type ReferenceInfo, type Scope, type Stream,
} from 'langium';
import {
    isChoiceCondition, isChoiceSpec, isChoiceValue,
    isDecision, isEquipment, isEquipmentUse, isLocation, isRecordAction, isRoom, isStep,
    type Site, type Step,
} from './generated/ast.js';
import { choiceOwnerOf, parametersOf } from './process-model.js';

export class CoilScopeProvider extends DefaultScopeProvider {
    /** Each container's local names by type, per scope computation (a document's local symbols are replaced whenever it is rebuilt). */
    private readonly names = new WeakMap<LocalSymbols, Map<AstNode, Map<string, Names>>>();

    override getScope(context: ReferenceInfo): Scope {
        const container = context.container;
        if (isLocation(container) && context.property === 'room') {
            return this.nodes(container.site?.ref?.members.filter(isRoom));
        }
        if (isEquipmentUse(container)) {
            const step = AstUtils.getContainerOfType(container, isStep);
            return this.nodes(siteOf(step)?.members.filter(isEquipment));
        }
        if ((isDecision(container) || isRecordAction(container)) && context.property === 'parameter') {
            return this.nodes(parametersOf(container.step?.ref));
        }
        if (isChoiceCondition(container) || isChoiceSpec(container) || isChoiceValue(container)) {
            return this.nodes(choiceOwnerOf(container)?.choices);
        }
        return this.lexicalScope(context);
    }

    /**
     * Langium's default scope (the names declared in each enclosing container, innermost first,
     * then the global scope), with each container's names of a type looked up in a map built once
     * per scope computation. Langium's default scans every name of every enclosing container for
     * each reference, which made linking a 5,000-line file grow with the square of its size.
     */
    private lexicalScope(context: ReferenceInfo): Scope {
        const referenceType = this.reflection.getReferenceType(context);
        let scope = this.getGlobalScope(referenceType, context);
        const localSymbols = AstUtils.getDocument(context.container).localSymbols;
        if (!localSymbols) return scope;
        const containers: AstNode[] = [];
        for (let node: AstNode | undefined = context.container; node; node = node.$container) {
            if (localSymbols.has(node)) containers.push(node);
        }
        for (let i = containers.length - 1; i >= 0; i--) {
            scope = new NameScope(this.namesIn(localSymbols, containers[i], referenceType), scope);
        }
        return scope;
    }

    /** The local names of `container` whose type fits `type`, by name, in declaration order. */
    private namesIn(localSymbols: LocalSymbols, container: AstNode, type: string): Names {
        let byContainer = this.names.get(localSymbols);
        if (!byContainer) this.names.set(localSymbols, byContainer = new Map());
        let byType = byContainer.get(container);
        if (!byType) byContainer.set(container, byType = new Map());
        let names = byType.get(type);
        if (!names) {
            names = { all: [], byName: new Map() };
            for (const description of localSymbols.getStream(container)) {
                if (!this.reflection.isSubtype(description.type, type)) continue;
                names.all.push(description);
                const same = names.byName.get(description.name);
                if (same) same.push(description);
                else names.byName.set(description.name, [description]);
            }
            byType.set(type, names);
        }
        return names;
    }

    /** A few members of one declaration (rooms, equipment, parameters, choices): a description only for the one asked for. */
    private nodes(nodes: readonly AstNode[] | undefined): Scope {
        return nodes ? new MemberScope(nodes, this.nameProvider, this.descriptions) : EMPTY_SCOPE;
    }
}

export function siteOf(step: Step | undefined): Site | undefined {
    return step?.location?.site?.ref;
}


interface Names {
    readonly all: AstNodeDescription[];
    readonly byName: Map<string, AstNodeDescription[]>;
}

/** One container's names in front of an outer scope: what Langium's StreamScope answers, by map. */
class NameScope implements Scope {
    constructor(private readonly names: Names, private readonly outer: Scope) {}

    getElement(name: string): AstNodeDescription | undefined {
        return this.names.byName.get(name)?.[0] ?? this.outer.getElement(name);
    }

    getElements(name: string): Stream<AstNodeDescription> {
        return stream(this.names.byName.get(name) ?? []).concat(this.outer.getElements(name));
    }

    getAllElements(): Stream<AstNodeDescription> {
        return stream(this.names.all).concat(this.outer.getAllElements());
    }
}

/** The named members of one declaration; Langium's createScopeForNodes describes every member on each lookup. */
class MemberScope implements Scope {
    constructor(
        private readonly nodes: readonly AstNode[],
        private readonly nameProvider: NameProvider,
        private readonly descriptions: AstNodeDescriptionProvider,
    ) {}

    getElement(name: string): AstNodeDescription | undefined {
        const node = this.nodes.find(n => this.nameProvider.getName(n) === name);
        return node && this.descriptions.createDescription(node, name);
    }

    getElements(name: string): Stream<AstNodeDescription> {
        return this.getAllElements().filter(d => d.name === name);
    }

    getAllElements(): Stream<AstNodeDescription> {
        return stream(this.nodes).map(node => {
            const name = this.nameProvider.getName(node);
            return name === undefined ? undefined : this.descriptions.createDescription(node, name);
        }).nonNullable();
    }
}
