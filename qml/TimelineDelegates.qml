pragma ComponentBehavior: Bound
import QtQuick
import Qt.labs.qmlmodels

// The timeline's delegates: one card per step kind. A file of its own so that TimelineView
// loads it (and with it every card type and the Qt.labs.qmlmodels plugin) with the first row,
// not before the window's first frame.
DelegateChooser {
    id: chooser
    // The TimelineView the cards report to.
    required property Item host
    role: "kind"
    DelegateChoice {
        roleValue: "user"
        UserCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
        }
    }
    DelegateChoice {
        roleValue: "thinking"
        ThinkingCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
        }
    }
    DelegateChoice {
        roleValue: "toolCall"
        ToolCallCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
            onApprove: (callId, approved, scope) => chooser.host.approve(callId, approved, scope)
            onCopyText: text => chooser.host.copyText(text)
        }
    }
    DelegateChoice {
        roleValue: "acting"
        ActingCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
        }
    }
    DelegateChoice {
        roleValue: "observation"
        ObservationCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
            onShowAllRequested: row => chooser.host.showAll(row)
        }
    }
    DelegateChoice {
        roleValue: "answer"
        AnswerCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
        }
    }
    DelegateChoice {
        roleValue: "error"
        ErrorCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
        }
    }
    DelegateChoice {
        roleValue: "elicitation"
        ElicitationCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
            onAnswerElicitation: (requestId, action, content) => chooser.host.answerElicitation(requestId, action, content)
        }
    }
    DelegateChoice {
        roleValue: "sampling"
        SamplingCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
            onApprove: (callId, approved, scope) => chooser.host.approve(callId, approved, scope)
        }
    }
    DelegateChoice {
        roleValue: "turnSummary"
        TurnSummaryCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
            onFoldToggled: turnId => chooser.host.toggleFold(turnId)
        }
    }
    DelegateChoice {
        roleValue: "fold"
        FoldCard {
            onExpandRequested: (row, e) => chooser.host.setExpanded(row, e)
            onCopyStepRequested: row => chooser.host.copyStep(row)
            onCopyTurnRequested: turnId => chooser.host.copyTurn(turnId)
            onFoldToggled: turnId => chooser.host.toggleFold(turnId)
        }
    }
}
