//! DataWatch, ChildrenWatch and PatientChildrenWatch: kazoo's watch helpers.
