"""The estate's policy rules (`rules`) and their pulumi-policy pack (`pack`), one
implementation for `pulumi preview --policy-pack policy` and the offline plan."""
