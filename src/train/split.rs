//! Seeded splits and folds: stratified by class, optionally keeping groups whole.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Seeded stratified split: returns (train rows, test rows).
pub fn stratified_split(
    positive: &[bool],
    test_fraction: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..positive.len())
            .filter(|&i| positive[i] == class)
            .collect();
        rows.shuffle(&mut rng);
        let n_test = (rows.len() as f64 * test_fraction).round() as usize;
        test.extend_from_slice(&rows[..n_test]);
        train.extend_from_slice(&rows[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

/// Seeded split that keeps every group on one side: the groups are dealt
/// into round(1 / `test_fraction`) stratified folds (as in
/// [`stratified_folds`]) and the first fold is the test side, so its share
/// is close to `test_fraction`. Returns (train rows, test rows).
pub fn grouped_split(
    positive: &[bool],
    test_fraction: f64,
    seed: u64,
    groups: &[String],
) -> (Vec<usize>, Vec<usize>) {
    let k = (1.0 / test_fraction).round().max(2.0) as usize;
    let folds = stratified_folds(positive, k, seed, Some(groups));
    (0..positive.len()).partition(|&i| folds[i] != 0)
}

/// Seeded stratified k-fold assignment (fold number per row). With `groups`,
/// every group lands in one fold: groups are shuffled, then placed largest
/// first into the fold that has the fewest rows of the group's majority class.
pub fn stratified_folds(
    positive: &[bool],
    k: usize,
    seed: u64,
    groups: Option<&[String]>,
) -> Vec<usize> {
    let k = k.max(2);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut folds = vec![0; positive.len()];
    match groups {
        None => {
            for class in [true, false] {
                let mut rows: Vec<usize> = (0..positive.len())
                    .filter(|&i| positive[i] == class)
                    .collect();
                rows.shuffle(&mut rng);
                for (position, &row) in rows.iter().enumerate() {
                    folds[row] = position % k;
                }
            }
        }
        Some(groups) => {
            // A row without a group value is a group of its own.
            let mut members: BTreeMap<(&str, usize), Vec<usize>> = BTreeMap::new();
            for (i, g) in groups.iter().enumerate() {
                let key = if g.trim().is_empty() {
                    ("", i)
                } else {
                    (g.as_str(), 0)
                };
                members.entry(key).or_default().push(i);
            }
            let mut list: Vec<Vec<usize>> = members.into_values().collect();
            list.shuffle(&mut rng);
            // Stable sort keeps the shuffled order among equal sizes.
            list.sort_by_key(|rows| std::cmp::Reverse(rows.len()));
            let mut load = vec![[0usize; 2]; k];
            for rows in list {
                let positives = rows.iter().filter(|&&i| positive[i]).count();
                let class = usize::from(positives * 2 >= rows.len());
                let fold = (0..k)
                    .min_by_key(|&f| (load[f][class], load[f][1 - class]))
                    .expect("k >= 2");
                load[fold][class] += rows.len();
                for row in rows {
                    folds[row] = fold;
                }
            }
        }
    }
    folds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_split_keeps_class_shares_and_is_seeded() {
        let positive: Vec<bool> = (0..100).map(|i| i % 4 == 0).collect();
        let (train, test) = stratified_split(&positive, 0.2, 1);
        assert_eq!(test.len(), 20);
        assert_eq!(test.iter().filter(|&&i| positive[i]).count(), 5);
        assert_eq!(train.len() + test.len(), 100);
        assert_eq!(stratified_split(&positive, 0.2, 1), (train, test));
        assert_ne!(
            stratified_split(&positive, 0.2, 2).1,
            stratified_split(&positive, 0.2, 1).1
        );
    }

    #[test]
    fn grouped_split_keeps_groups_whole() {
        let positive: Vec<bool> = (0..100).map(|i| i % 2 == 0).collect();
        let groups: Vec<String> = (0..100).map(|i| format!("g{}", i / 4)).collect();
        let (train, test) = grouped_split(&positive, 0.2, 0, &groups);
        assert_eq!(test.len(), 20, "five of 25 groups of 4");
        assert_eq!(train.len(), 80);
        for &i in &test {
            assert!(
                !train.iter().any(|&j| groups[j] == groups[i]),
                "group of row {i} split"
            );
        }
        assert_eq!(grouped_split(&positive, 0.2, 0, &groups), (train, test));
    }

    #[test]
    fn folds_are_stratified_and_groups_never_split() {
        let positive: Vec<bool> = (0..60).map(|i| i < 20).collect();
        let folds = stratified_folds(&positive, 5, 0, None);
        for f in 0..5 {
            assert_eq!((0..60).filter(|&i| folds[i] == f && positive[i]).count(), 4);
        }
        let groups: Vec<String> = (0..60).map(|i| format!("g{}", i / 3)).collect();
        let grouped = stratified_folds(&positive, 5, 0, Some(&groups));
        for i in 0..60 {
            assert_eq!(grouped[i], grouped[i - i % 3], "group of row {i} split");
        }
        let sizes: Vec<usize> = (0..5)
            .map(|f| grouped.iter().filter(|&&g| g == f).count())
            .collect();
        assert!(sizes.iter().all(|&s| s == 12), "{sizes:?}");
    }
}
