import journal from './meta/_journal.json';
import m0000 from './0000_init.sql';
import m0001 from './0001_session_usage.sql';
import m0002 from './0002_compactions.sql';
import m0003 from './0003_turn_recoveries.sql';
import m0004 from './0004_message_pieces.sql';
import m0005 from './0005_turn_waits.sql';
import m0006 from './0006_message_tree.sql';
import m0007 from './0007_backfill_message_tree.sql';
import m0008 from './0008_message_queue.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002,
m0003,
m0004,
m0005,
m0006,
m0007,
m0008
    }
  }
  