import { ApiDef } from '../schema.js';


/** group APIs, registered in protocol/apis.ts. */
export const GROUP_APIS: ApiDef[] = [];
