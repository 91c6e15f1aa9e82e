import { ApiDef } from '../schema.js';
import { DescribeClientQuotas } from './describe-client-quotas.js';
import { AlterClientQuotas } from './alter-client-quotas.js';
import { DescribeUserScramCredentials } from './describe-user-scram-credentials.js';
import { AlterUserScramCredentials } from './alter-user-scram-credentials.js';

/** Client quotas and SCRAM credentials (kafka-configs --entity-type users|clients|ips), registered in protocol/apis.ts. */
export const QUOTA_AND_CREDENTIAL_APIS: ApiDef[] = [
  DescribeClientQuotas, // 48
  AlterClientQuotas, // 49
  DescribeUserScramCredentials, // 50
  AlterUserScramCredentials, // 51
];
