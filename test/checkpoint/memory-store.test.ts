import { MemoryCheckpointStore } from 'weft';
import { describeCheckpointStore } from 'weft/testing';

describeCheckpointStore('MemoryCheckpointStore', { create: () => new MemoryCheckpointStore() });
