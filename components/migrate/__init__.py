"""Taking over estates made by other tools, starting with pulumi-libvirt.

`python -m components.migrate from-pulumi-libvirt EXPORT.json --stack NAME` turns the output
of `pulumi stack export` of a pulumi-libvirt stack into a stack file whose every object is
adopted as it is (`adopt: true`, libvirt names, MACs and machine pinned), so the first
`pulumi up` of the new stack changes nothing on the hosts. `--probe` checks that claim
against the live objects before anyone runs `up`.
"""
