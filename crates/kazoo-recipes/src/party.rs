//! Party and ShallowParty: group membership.
