# KVM usability probe guest: a 512-byte boot sector.
# SeaBIOS loads it at 0x7c00 in real mode. It does what a real 64-bit kernel does
# early on (A20, page tables, PAE, EFER.LME, CR0.PG, far jump into a 64-bit code
# segment), first waits with STI+HLT for a BIOS timer tick (a kernel needs timer
# interrupts and HLT wake-ups), proves that paging translates (an alias mapping) and that long mode is
# active (EFER.LMA), then writes to QEMU's isa-debug-exit port 0xf4:
#   success: 0x31 -> QEMU exit code (0x31 << 1) | 1 = 99
#   failure: 0x10 -> QEMU exit code 33
# Regenerate the bytes with ./build.sh (prints the base64 embedded in ../kvm-probe.ts).
        .code16
        .text
        .globl _start
_start:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x7c00, %sp
        cld
        # wait for the BIOS tick counter (0x46c, IRQ0 at 18.2 Hz) to move: proves the
        # PIT -> PIC -> CPU interrupt path and that HLT wakes up on an interrupt
        mov     0x46c, %bx
        sti
1:      hlt
        cmp     0x46c, %bx
        je      1b
        cli
        # fast A20 gate (bit 1 of port 0x92; keep bit 0 clear: it resets the CPU)
        in      $0x92, %al
        or      $0x02, %al
        and     $0xfe, %al
        out     %al, $0x92
        # zero 12 KiB at 0x1000 for PML4 (0x1000), PDPT (0x2000), PD (0x3000)
        mov     $0x1000, %di
        mov     $0x3000, %cx
        xor     %al, %al
        rep stosb
        movl    $0x2003, 0x1000         # PML4[0] -> PDPT, present+writable
        movl    $0x3003, 0x2000         # PDPT[0] -> PD
        movl    $0x0083, 0x3000         # PD[0]: 2 MiB page at 0 (identity)
        movl    $0x0083, 0x3008         # PD[1]: virtual 2 MiB aliases physical 0
        lgdt    gdt_desc
        mov     %cr4, %eax
        or      $0x20, %eax             # CR4.PAE
        mov     %eax, %cr4
        mov     $0x1000, %eax
        mov     %eax, %cr3
        mov     $0xc0000080, %ecx       # EFER
        rdmsr
        or      $0x100, %eax            # EFER.LME
        wrmsr
        mov     %cr0, %eax
        or      $0x80000001, %eax       # CR0.PG | CR0.PE
        mov     %eax, %cr0
        ljmp    $0x08, $long_mode

        .code64
long_mode:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x7c00, %rsp
        mov     $0xc0000080, %ecx
        rdmsr
        test    $0x400, %eax            # EFER.LMA: long mode really active
        jz      fail
        # paging check: write through the alias at 2 MiB + 0x5000, read at 0x5000
        movabs  $0x1122334455667788, %rax
        mov     %rax, 0x205000
        mov     0x5000, %rbx
        cmp     %rax, %rbx
        jne     fail
        # 64-bit arithmetic check
        shr     $32, %rbx
        cmp     $0x11223344, %ebx
        jne     fail
        mov     $0x31, %al
        out     %al, $0xf4
        jmp     halt
fail:
        mov     $0x10, %al
        out     %al, $0xf4
halt:
        hlt
        jmp     halt

        .p2align 3
gdt:
        .quad   0
        .quad   0x00209a0000000000      # 0x08: 64-bit code (L=1, P=1, S=1, exec/read)
        .quad   0x0000920000000000      # 0x10: data
gdt_end:
gdt_desc:
        .word   gdt_end - gdt - 1
        .long   gdt

        .org    510
        .word   0xaa55
