//! The batch tool's CSV, JSON-lines and Firebase-export readers: any bytes,
//! read as one of the formats with the usual columns, then every row identified (what `rehash
//! scan` does) and a compare-and-swap update applied to every other row.
//! Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehash::Policy;
use rehash_cli::store::{Columns, FileOutput, FileStore, Preset, Update};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let csv = kind % 3 == 0;
    let cols = if kind % 3 == 2 {
        // A Firebase Auth export: {"users": [{"localId": …, "passwordHash": …}]}.
        Preset::Firebase.columns()
    } else {
        Columns {
            salt: Some("salt".into()),
            user: Some("user".into()),
            scheme: Some("scheme".into()),
            params_col: Some("params".into()),
            ..Columns::default()
        }
    };
    let Ok(mut store) = FileStore::parse(
        if csv { "fuzz.csv" } else { "fuzz.jsonl" },
        &text,
        csv,
        &cols,
        FileOutput::default(),
    ) else {
        return;
    };
    let policy = Policy::default();
    let total = store.count();
    let mut seen = 0u64;
    loop {
        let rows = store.next_batch(7);
        if rows.is_empty() {
            break;
        }
        seen += rows.len() as u64;
        let mut updates = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let _ = policy.identify(rehash_cli::batch::stored(row));
            if i % 2 == 0 {
                updates.push(Update { id: row.id.clone(), old: row.hash.clone(), new: format!("new{i}") });
            }
        }
        let changed = store.commit(&updates);
        assert!(changed <= updates.len() as u64);
    }
    assert_eq!(seen, total);
});
