"""Issue 9: each test replays an attack through a public interface and asserts it fails."""
