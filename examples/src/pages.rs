//! Page-sized buffers held by a cache that reclaim can shrink: the page
//! caches of the examples.

use std::sync::{Mutex, MutexGuard, PoisonError};

use alloc_ctx::{KBox, backend::Backend};

/// Bytes in a page.
pub const PAGE_SIZE: usize = 4096;
/// One page of a cache.
pub type Page = [u8; PAGE_SIZE];

/// Pages held by a cache, behind a lock: a shrinker drops them from
/// whichever thread runs reclaim.
pub struct PageList<A: Backend> {
    pages: Mutex<Vec<KBox<Page, A>>>,
}

impl<A: Backend> Default for PageList<A> {
    fn default() -> Self {
        PageList { pages: Mutex::new(Vec::new()) }
    }
}

// The list stands in for the kernel's LRU list: an intrusive list under its
// own lock, which allocates nothing and is taken by shrinkers, which run
// without a token. Here it is a `std` vector behind a `std` mutex, which
// the shipped `clippy.toml` would refuse in driver code.
#[expect(clippy::disallowed_methods, reason = "a stand-in for the kernel's intrusive LRU list")]
impl<A: Backend> PageList<A> {
    fn locked(&self) -> MutexGuard<'_, Vec<KBox<Page, A>>> {
        // Every update is a single push, pop or move: a panic elsewhere
        // cannot leave the list half-changed.
        self.pages.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a page.
    pub fn push(&self, page: KBox<Page, A>) {
        self.locked().push(page);
    }

    /// Adds pages.
    pub fn extend(&self, pages: impl IntoIterator<Item = KBox<Page, A>>) {
        self.locked().extend(pages);
    }

    /// Takes every page out.
    pub fn take_all(&self) -> Vec<KBox<Page, A>> {
        std::mem::take(&mut *self.locked())
    }

    /// Pages held.
    pub fn len(&self) -> usize {
        self.locked().len()
    }

    /// Whether no page is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A shrinker's work: drops pages until `target` bytes are freed or the
    /// list is empty; returns the bytes freed.
    pub fn evict(&self, target: usize) -> usize {
        let mut pages = self.locked();
        let mut freed = 0;
        while freed < target && pages.pop().is_some() {
            freed += PAGE_SIZE;
        }
        freed
    }
}
