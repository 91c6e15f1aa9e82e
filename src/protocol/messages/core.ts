import { ApiDef } from '../schema.js';
import { ApiVersions } from './api-versions.js';
import { Fetch } from './fetch.js';
import { ListOffsets } from './list-offsets.js';
import { Metadata } from './metadata.js';
import { Produce } from './produce.js';

/** core APIs, registered in protocol/apis.ts. */
export const CORE_APIS: ApiDef[] = [Produce, Fetch, ListOffsets, Metadata, ApiVersions];
