//! The common traits of the public types (the Rust API guidelines'
//! C-COMMON-TRAITS and C-GOOD-ERR): errors compare, clone and hash, and
//! every error type implements `std::error::Error`; sizes order and hash by
//! their byte counts.
#![cfg(feature = "std")]

use std::collections::HashSet;
use std::error::Error as StdError;
use std::hash::Hash;

use alloc_ctx::backend::Budget;
use alloc_ctx::flags::*;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sweep::{SweepError, SweepProblem, SweepReport};
use alloc_ctx::workqueue::QueueError;
use alloc_ctx::{AllocError, AllocErrorKind, CapacityError, InsertError, KVec, PushError, RemoveError, SizeError};

fn value_error<T: Clone + PartialEq + Eq + Hash + StdError + Send + Sync + 'static>() {}
fn plain<T: Clone + PartialEq + Eq + Hash>() {}

#[test]
fn error_types_clone_compare_hash_and_are_errors() {
    value_error::<AllocError>();
    value_error::<SizeError>();
    value_error::<alloc_ctx::error::Error>();
    value_error::<PushError<u64>>();
    value_error::<InsertError<u64>>();
    value_error::<CapacityError<u64>>();
    value_error::<RemoveError>();
    value_error::<QueueError<u64>>();
    value_error::<SweepError>();
    value_error::<SweepProblem>();
    plain::<AllocErrorKind>();
    plain::<SweepReport>();
    plain::<Size<KmallocMax>>();
}

#[alloc_ctx::test]
fn a_failed_push_and_insert_compare_and_clone_with_their_value() {
    let mut v = KVec::<u64, _>::new_in(Budget::new(0));
    let push = v.try_push(7, GFP_KERNEL, cx).unwrap_err();
    let again = v.try_push(7, GFP_KERNEL, cx).unwrap_err();
    assert_eq!(push, again, "the same failure twice is equal");
    assert_eq!(push.clone().into_value(), 7);
    assert_ne!(push, v.try_push(8, GFP_KERNEL, cx).unwrap_err(), "the value is part of the error");

    let insert = v.insert(0, 9, GFP_KERNEL, cx).unwrap_err();
    assert!(matches!(insert, InsertError::NoMemory(_)));
    assert_eq!(insert.clone(), insert);
    assert_ne!(insert, InsertError::OutOfCapacity(9));
    assert_eq!(insert.into_value(), 9);

    let errors: HashSet<AllocError> = [push.error, again.error].into_iter().collect();
    assert_eq!(errors.len(), 1, "equal errors hash equally");
}

#[test]
fn sizes_of_one_bound_order_and_hash_by_bytes() {
    let sizes: Vec<Size<KmallocMax>> = [4096, 64, 512].into_iter().map(|n| Size::new(n).unwrap()).collect();
    let mut sorted = sizes.clone();
    sorted.sort();
    assert_eq!(sorted.iter().map(|s| s.get()).collect::<Vec<_>>(), [64, 512, 4096]);
    assert_eq!(sizes.iter().max().unwrap().get(), 4096);
    let set: HashSet<Size<KmallocMax>> = [Size::new(64).unwrap(), Size::new(64).unwrap()].into_iter().collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn violations_are_errors() {
    fn error<T: StdError>() {}
    error::<alloc_ctx::checking::Violation>();
    let problem: Box<dyn StdError> = Box::new(SweepProblem::CountingRunFailed);
    assert_eq!(problem.to_string(), "the counting run, where nothing fails, returned an error");
}
