//! The detail search index: a Tantivy index derived from the database, which stays the truth.
//!
//! Its commit carries a stamp, the database's id and its detail change sequence. At start a
//! missing or different stamp means the index is missing or behind, and it is rebuilt from
//! the database. A write commits to the database, then to the index, before it is answered;
//! detail writes hold the index's lock across both, so the stamp only moves forward and a
//! detail created or updated is in the very next list.

use std::path::Path;

use portcullis::{Entity, Schema};
use portcullis_backends::search::SearchIndex;
use portcullis_backends::{Error, Records};

use crate::store::Store;

/// The entity type whose lists run on the index, and the attribute its `q` searches.
pub const INDEXED_TYPE: &str = "detail";
const TEXT_ATTRIBUTE: &str = "type";

/// The setting holding the database's own id, which the index's stamp names.
const DATABASE_ID: &str = "database_id";

/// Details are read from the database in batches of this many to rebuild the index.
const REBUILD_BATCH: usize = 10_000;

/// Open the index in `dir`, rebuilding it from the database when it is missing or behind.
/// Answers the index and whether it was rebuilt.
pub fn open(dir: &Path, schema: &Schema, store: &Store) -> Result<(SearchIndex, bool), String> {
    let fail = |e: Error| format!("the detail index in {}: {e}", dir.display());
    let mut index =
        SearchIndex::open(dir, schema, INDEXED_TYPE, Some(TEXT_ATTRIBUTE)).map_err(fail)?;
    let want = store.now(stamp).map_err(fail)?;
    if index.stamp().map_err(fail)?.as_deref() == Some(want.as_str()) {
        return Ok((index, false));
    }
    index.clear().map_err(fail)?;
    store
        .now(|db| {
            db.scan(INDEXED_TYPE, REBUILD_BATCH, &mut |batch: Vec<Entity>| {
                for e in &batch {
                    index.insert_new(e)?;
                }
                Ok(())
            })
        })
        .map_err(fail)?;
    index.commit_stamped(&want).map_err(fail)?;
    Ok((index, true))
}

/// The stamp the index must carry to be current: the database's id (made on first use) and
/// its detail change sequence.
pub fn stamp(db: &mut dyn Records) -> Result<String, Error> {
    let id = match db.setting(DATABASE_ID)? {
        Some(id) => id,
        None => {
            let id = crate::store::unique_name();
            db.set_setting(DATABASE_ID, &id)?;
            id
        }
    };
    Ok(format!("{id}:{}", db.sequence(INDEXED_TYPE)?))
}

/// The index, and the details written to the database that it has not yet committed.
pub struct DetailIndex {
    /// The index.
    pub index: SearchIndex,
    /// Details whose commit to the index failed: written again with the next detail, so
    /// that no commit stamps the database's sequence while one of them is missing.
    pending: Vec<Entity>,
}

impl DetailIndex {
    /// An index with nothing pending.
    pub fn new(index: SearchIndex) -> DetailIndex {
        DetailIndex { index, pending: Vec::new() }
    }

    /// After a detail was written to the database: the same entity in the index, committed
    /// with the database's stamp as it is now. The caller holds the index's write lock across
    /// the database write and this. On failure the detail stays pending: the next write
    /// commits it too, and until one does, the stamp is behind and a restart rebuilds.
    pub fn follow(&mut self, db: &mut dyn Records, e: Entity) -> Result<(), Error> {
        self.pending.push(e);
        for e in &self.pending {
            self.index.insert(e)?;
        }
        let s = stamp(db)?;
        self.index.commit_stamped(&s)?;
        self.pending.clear();
        Ok(())
    }
}
