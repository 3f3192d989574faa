//! DoubleBarrier: clients enter together and leave together.
