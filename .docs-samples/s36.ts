// workflows.ts
export const triage = new WorkflowBuilder({ name: 'ticket-triage', start: intake }) /* … */ .build();
export const refund = new WorkflowBuilder({ name: 'refund', start: assess }) /* … */ .build();