"""What compiled templates call at run time: lookups, escaping, loops, components, composition.

The namespace compiled code runs in is :data:`kida.runtime.namespace.COMPILED_NAMESPACE`; this
package imports nothing itself, so each runtime module can be imported alone.
"""
