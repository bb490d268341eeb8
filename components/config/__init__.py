"""Typed stack configuration: what `stacks/Pulumi.<stack>.yaml` may say, validated up front."""
