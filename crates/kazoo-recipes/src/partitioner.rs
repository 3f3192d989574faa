//! SetPartitioner: divide a set of items among the members of a party.
