/**
 * Scopes for the references whose targets live inside another declaration: a room of a site
 * (`at Plant.SuiteA`), equipment of the step's site, a parameter of a step (`Expand.viable_cells`),
 * and the choices of a parameter or an assay result.
 */
import { AstUtils, DefaultScopeProvider, EMPTY_SCOPE, type AstNode, type ReferenceInfo, type Scope } from 'langium';
import {
    isChoiceCondition, isChoiceSpec, isChoiceValue,
    isDecision, isEquipment, isEquipmentUse, isLocation, isRecordAction, isRoom, isStep,
    type Site, type Step,
} from './generated/ast.js';
import { choiceOwnerOf, parametersOf } from './process-model.js';

export class CoilScopeProvider extends DefaultScopeProvider {
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
        return super.getScope(context);
    }

    private nodes(nodes: Iterable<AstNode> | undefined): Scope {
        return nodes ? this.createScopeForNodes(nodes) : EMPTY_SCOPE;
    }
}

export function siteOf(step: Step | undefined): Site | undefined {
    return step?.location?.site?.ref;
}

