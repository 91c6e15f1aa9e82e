import { ApiDef, array, field, FieldDef, struct } from '../schema.js';

// Describes KIP-848 consumer groups: epochs, assignor, and for each member its
// subscription, current assignment and target assignment. Flexible from v0.

// A member's assigned partitions (Kafka's common structs Assignment and TopicPartitions).
const assignment = (name: string): FieldDef =>
  struct(name, '0+', [
    array('topicPartitions', '0+', [
      field('topicId', 'uuid'),
      field('topicName', 'string'),
      field('partitions', '[]int32'),
    ]),
  ]);

export const ConsumerGroupDescribe: ApiDef = {
  apiKey: 69,
  name: 'ConsumerGroupDescribe',
  request: {
    name: 'ConsumerGroupDescribeRequest',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [field('groupIds', '[]string'), field('includeAuthorizedOperations', 'bool')],
  },
  response: {
    name: 'ConsumerGroupDescribeResponse',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('groups', '0+', [
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
        field('groupId', 'string'),
        field('groupState', 'string'),
        field('groupEpoch', 'int32'),
        field('assignmentEpoch', 'int32'),
        field('assignorName', 'string'),
        array('members', '0+', [
          field('memberId', 'string'),
          field('instanceId', 'string', '0+', { nullableVersions: '0+', default: null }),
          field('rackId', 'string', '0+', { nullableVersions: '0+', default: null }),
          field('memberEpoch', 'int32'),
          field('clientId', 'string'),
          field('clientHost', 'string'),
          field('subscribedTopicNames', '[]string'),
          field('subscribedTopicRegex', 'string', '0+', { nullableVersions: '0+', default: null }),
          assignment('assignment'),
          assignment('targetAssignment'),
        ]),
        // INT32_MIN means "not requested".
        field('authorizedOperations', 'int32', '0+', { default: -2147483648 }),
      ]),
    ],
  },
};
