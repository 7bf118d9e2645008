"""What the specification says, independent of how a message is read or checked."""
