import { ApiDef } from '../schema.js';


/** admin APIs, registered in protocol/apis.ts. */
export const ADMIN_APIS: ApiDef[] = [];
