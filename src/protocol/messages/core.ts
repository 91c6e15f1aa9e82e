import { ApiDef } from '../schema.js';
import { ApiVersions } from './api-versions.js';

/** core APIs, registered in protocol/apis.ts. */
export const CORE_APIS: ApiDef[] = [ApiVersions];
