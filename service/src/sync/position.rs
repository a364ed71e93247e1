//! Where a client stands in a user's changes: a [`Position`], handed out as
//! an opaque token (`next_since`) and taken back as `since`.
//!
//! Records are ordered by `(sync_seq, source, id)`: the write sequence of
//! the transaction that last changed them, then the table they come from,
//! then their id. A position is either the last record handed out (a big
//! transaction, a bulk of 1000, may span answers) or "everything up to and
//! including sequence `n`" (what an answer that left nothing out ends at:
//! nothing numbered `n` or lower can appear later).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// Where a record comes from; also its rank among records of one sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Source {
    /// `categories`.
    Category = 0,
    /// `tags`.
    Tag = 1,
    /// `todos`.
    Todo = 2,
    /// `sync_deletions` (the id is the record's own).
    Deletion = 3,
}

impl Source {
    const ALL: [Self; 4] = [Self::Category, Self::Tag, Self::Todo, Self::Deletion];

    fn code(self) -> u8 {
        self as u8
    }

    fn of_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A position in a user's changes (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The write sequence reached.
    pub(super) seq: i64,
    /// Within `seq`, the last record handed out; `None`: all of `seq`.
    pub(super) after: Option<(Source, Uuid)>,
}

/// The text's first field: a version, so that the format may change.
const VERSION: &str = "1";

impl Position {
    /// Before everything: what an absent `since` means.
    pub(super) const START: Self = Self {
        seq: -1,
        after: None,
    };

    /// Everything up to and including `seq`.
    pub(super) fn through(seq: i64) -> Self {
        Self { seq, after: None }
    }

    /// Right after the record `(seq, source, id)`.
    pub(super) fn at(seq: i64, source: Source, id: Uuid) -> Self {
        Self {
            seq,
            after: Some((source, id)),
        }
    }

    /// Whether the position lies before the end of sequence `seq`, so that
    /// records numbered `seq` may follow it.
    pub(super) fn before_end_of(self, seq: i64) -> bool {
        self.seq < seq || (self.seq == seq && self.after.is_some())
    }

    /// The later of two positions.
    pub(super) fn max(self, other: Self) -> Self {
        let key = |p: Self| (p.seq, p.after.is_none(), p.after);
        if key(other) > key(self) { other } else { self }
    }

    /// The opaque text handed to clients.
    #[must_use]
    pub fn encode(&self) -> String {
        let text = match self.after {
            None => format!("{VERSION}.{}", self.seq),
            Some((source, id)) => {
                format!("{VERSION}.{}.{}.{}", self.seq, source.code(), id.simple())
            }
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    /// The position `text` holds, if it is one [`Position::encode`] made.
    #[must_use]
    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut fields = text.split('.');
        if fields.next()? != VERSION {
            return None;
        }
        let seq: i64 = fields.next()?.parse().ok()?;
        if seq < 0 {
            return None;
        }
        let after = match (fields.next(), fields.next(), fields.next()) {
            (None, None, None) => None,
            (Some(source), Some(id), None) if id.len() == 32 => Some((
                Source::of_code(source.parse().ok()?)?,
                Uuid::try_parse(id).ok()?,
            )),
            _ => return None,
        };
        let position = Self { seq, after };
        // One spelling per position: anything else was not made here.
        (position.encode() == URL_SAFE_NO_PAD.encode(&text)).then_some(position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_through_their_text() {
        let id = Uuid::now_v7();
        for position in [
            Position::through(0),
            Position::through(41),
            Position::at(7, Source::Todo, id),
            Position::at(7, Source::Deletion, id),
        ] {
            assert_eq!(Position::decode(&position.encode()), Some(position));
        }
    }

    #[test]
    fn anything_else_does_not_decode() {
        let encode = |text: &str| URL_SAFE_NO_PAD.encode(text);
        for text in [
            String::new(),
            "not base64!".to_owned(),
            encode("2.5"),
            encode("1.-1"),
            encode("1.5.9.0193a5c47e217c3d8a4b5f6e7d8c9b0a"),
            encode("1.5.2"),
            encode("1.5.2.xyz"),
            encode("1.05"),
            encode("1.5.2.0193a5c4-7e21-7c3d-8a4b-5f6e7d8c9b0a"),
            encode("1.5.2.0193a5c47e217c3d8a4b5f6e7d8c9b0a.1"),
        ] {
            assert_eq!(Position::decode(&text), None, "{text}");
        }
    }

    #[test]
    fn positions_order_by_sequence_then_record_and_a_whole_sequence_last() {
        let id = Uuid::now_v7();
        let mid = Position::at(5, Source::Tag, id);
        assert_eq!(mid.max(Position::through(4)), mid);
        assert_eq!(mid.max(Position::through(5)), Position::through(5));
        assert!(mid.before_end_of(5));
        assert!(!Position::through(5).before_end_of(5));
        assert!(Position::through(4).before_end_of(5));
        assert!(Position::START.before_end_of(0));
    }
}
