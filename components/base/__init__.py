"""What every component is built on: the args base class and the call forms
(`Component(name, args, opts)`, old forms mapped onto it), the resource options a
component passes to its children, and secret inputs for secret config sections."""
