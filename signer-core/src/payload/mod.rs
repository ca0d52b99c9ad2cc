//! Payload rules of SPEC §6 (placeholder: the payload issue fills this in).
